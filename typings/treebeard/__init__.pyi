# Type information for the parts of django-treebeard the project uses (the package ships none).
