"""Many inputs: ``extract`` (activations of chosen layers, in memory or into a zarr store) and
``dataset_stats`` (per-layer statistics streamed over a dataset)."""
