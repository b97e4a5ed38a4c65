"""Provenance: run records, the append-only hash-chained audit log and content hashes.

The lowest layer: everything else may import it, and it imports nothing of crimeplan's but
itself. The audit log has two back ends with one chain: a file in the workspace
(``filelog``, for the command line's runs) and tables in the service database (``dblog``,
for the s.62 and security entries of the web service); ``chain`` holds the rules both keep.
"""
