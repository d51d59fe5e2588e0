"""The markdown prompt editor: text editing, highlighting, outline, preview and find."""
