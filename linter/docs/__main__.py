"""`python -m schemalint.docs`: rewrite the generated documentation."""

import sys

from schemalint.docs.generate import main

sys.exit(main())
