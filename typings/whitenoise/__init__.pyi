# Type information for the parts of WhiteNoise the project subclasses (the package ships none).
