"""What the benchmarks share (not benchmarks themselves): synthetic data (`synthetic`) and running
and measuring a server on loopback (`processes`). The scripts in bench/ import it as `support`."""
