"""Events: one consultation and the sectors its participants pick from."""
