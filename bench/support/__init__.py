"""What the benchmarks share (not benchmarks themselves): synthetic data (`synthetic`), listed
indicators written straight into the database (`listings`), and running, waiting for, stopping
and measuring a server on loopback (`processes`). The scripts in bench/ import it as `support`."""
