"""The Create tab: parameters, the draft, the jobs list, the result viewer, references and
batches (the prompt editor is ui/editor)."""
