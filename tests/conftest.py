"""Test session settings."""

import os

# The CLI caches parse results and findings on disk by default. Tests run the CLI on
# throwaway inputs and sometimes with patched rules: keep the cache out of their way
# (and out of the working tree). tests/test_cache.py turns it on where it is tested.
os.environ["SCHEMALINT_NO_CACHE"] = "1"
