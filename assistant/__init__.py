"""medcode assistant layer."""
