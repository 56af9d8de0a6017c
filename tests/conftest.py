"""Test session settings."""

import os

# The CLI caches parse results and findings on disk by default. Tests run the CLI on
# throwaway inputs and sometimes with patched rules: keep the cache out of their way
# (and out of the working tree). tests/test_cache.py turns it on where it is tested.
os.environ["SCHEMALINT_NO_CACHE"] = "1"
# Colour is decided from the environment (commands.common.use_color); a FORCE_COLOR set where
# the suite runs would colour every report the tests compare.
os.environ.pop("FORCE_COLOR", None)
