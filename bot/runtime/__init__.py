"""The runtime: the parts that own time and I/O around the pure core."""
