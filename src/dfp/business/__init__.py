"""00 Context: customers, traffic shape, growth and the pre-platform baseline."""
