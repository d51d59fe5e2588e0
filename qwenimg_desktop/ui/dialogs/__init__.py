"""Dialogs opened from the menus: settings, first run, spend, and the budget stop."""
