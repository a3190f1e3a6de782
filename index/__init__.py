"""medcode index layer."""
