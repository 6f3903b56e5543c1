"""Notifications: telling staff, in the product and by email, what needs them (ADR 0028)."""
