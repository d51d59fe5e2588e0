"""Batches: prompt variables, grids and seed sweeps that turn one request into many."""
