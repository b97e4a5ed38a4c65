"""Who is calling: passwords, second factors, sessions, lock-out and API client tokens."""
