import sys

from schemalint.cli import main

sys.exit(main())
