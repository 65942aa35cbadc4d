"""HTTP surfaces: the Evolvex REST API, the Manager API and the web panel."""
