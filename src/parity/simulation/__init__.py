"""The synthetic region and its demand, run through the real booking services on a simulated clock."""
