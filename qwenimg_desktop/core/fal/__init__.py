"""core fal package."""
