"""Victims' Code compliance: victims, their needs assessments and choices, the obligations the
Code's time limits create, and compliance figures per right, agency and month."""
