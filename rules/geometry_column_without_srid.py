from schemalint.rulekit import (
    SPATIAL_TYPES,
    Rule,
    Severity,
    base_type,
    column_display_name,
    quote_ident,
    written_columns,
)

RULE = Rule(
    code="SL704",
    name="geometry-column-without-srid",
    category="extensions",
    severity=Severity.WARNING,
    summary="A PostGIS geometry or geography column declared without an SRID.",
    why="A `geometry` column without an SRID in its type (`geometry`, `geometry(Point)`) is SRID "
        "0 in `geometry_columns` and accepts geometries of any SRID side by side; a query that "
        "meets two of them fails (`Operation on mixed SRID geometries`), and tools that read "
        "the SRID from the catalog cannot reproject. A bare `geography` accepts any geodetic "
        "SRID (`geography(Point)` means SRID 4326). Adding the SRID later, `ALTER COLUMN geom "
        "TYPE geometry(Point, 4326) USING ST_SetSRID(geom, 4326)` (or `TYPE geography(Point, "
        "4326)`), rewrites the whole table under an ACCESS EXCLUSIVE lock; adding the column "
        "with its SRID from the start rewrites nothing (observed by replay on PostgreSQL 15 "
        "with PostGIS 3: tests/replay/test_postgis.py). Active when the "
        "history creates the `postgis` extension or the configuration lists it in "
        "`extensions`.",
    instead="Declare the geometry type and SRID in the column's type: `geom geometry(Point, "
            "4326)` (or `geometry(Geometry, 4326)` for mixed shapes).",
    ok_when="The column stores geometries in several coordinate systems on purpose and every "
            "query handles their SRIDs.",
    bad=("CREATE EXTENSION postgis;\nCREATE TABLE places (id bigint, geom geometry);",
         "CREATE EXTENSION postgis;\nCREATE TABLE places (id bigint);\n"
         "ALTER TABLE places ADD COLUMN geom geometry(Point);"),
    good=("CREATE EXTENSION postgis;\nCREATE TABLE places (id bigint, geom geometry(Point, 4326));",
          "CREATE EXTENSION postgis;\n"
          "CREATE TABLE places (id bigint, area geography(Polygon));"),
    scope="schema",
)


def _has_srid(kind: str, mods: tuple) -> bool:
    if kind == "geography":
        # geography(<type>) defaults to SRID 4326; only a bare `geography` is unconstrained.
        return bool(mods) and not (len(mods) >= 2 and mods[1] == 0)
    # geometry(<type>, <srid>); SRID 0 means unknown.
    return len(mods) >= 2 and isinstance(mods[1], int) and mods[1] != 0


def check_schema(model, ctx):
    if not ctx.uses_extension("postgis"):
        return
    for table, col in written_columns(model):
        kind = base_type(col.type)
        if col.array or kind not in SPATIAL_TYPES or _has_srid(kind, col.mods):
            continue
        name = column_display_name(table.key, col.name)
        site = col.type_site
        written = " ".join(site.migration.text[site.start:site.end].split())
        # geometry(Point) names its shape as an identifier, which the typmod list does not keep.
        shape = written.partition("(")[2].split(",")[0].strip(" )") or "Geometry"
        yield ctx.report(
            f"column `{name}` is `{written}` without an SRID: it accepts geometries of any "
            "coordinate system, and adding the SRID later rewrites the table",
            site=col.type_site,
            help="Declare the shape and SRID in the type (4326 for longitude/latitude):\n"
                 f"    {quote_ident(col.name)} {kind}({shape}, 4326)",
        )
