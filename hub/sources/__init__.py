"""The read path of upstream sources: cache → single-flight → connector → snapshot, and bulk sync."""
