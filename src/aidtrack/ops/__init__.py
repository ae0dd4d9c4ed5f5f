"""Domain operations: validation, the programme's rules, and every write to the register."""
