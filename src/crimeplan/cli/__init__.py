"""The ``crimeplan`` command: a thin shell over the library."""
