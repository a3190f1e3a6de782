"""medcode api layer."""
