"""Stage 2, publish: rank a collected day, store its digest, render the site and exports into S3."""
