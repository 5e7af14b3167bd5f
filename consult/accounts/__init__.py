"""Accounts: staff users, login, and the audit trail."""
