"""The service's domain and its database: agencies, accounts, people and the s.62 log."""
