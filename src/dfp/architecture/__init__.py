"""01 Architecture: the component model, its diagrams and weighted decision matrices."""
