"""What changed in the schema between two points of a migration history.

`history` folds the two points (once, when the base's migrations begin the head's) and reads
the renames the model saw from the identity of its objects; `compare` is the pure diff of two
schema dumps (model/dump.py's shape) and a rename log, and the `marks` the ERD renderers take;
`render` writes a diff as text or markdown (JSON is the diff itself)."""

from schemalint.schemadiff.compare import diff_schemas, marks
from schemalint.schemadiff.history import Points, Renames, fold_points

__all__ = ["Points", "Renames", "diff_schemas", "fold_points", "marks"]
