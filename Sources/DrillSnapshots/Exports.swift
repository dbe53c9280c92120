// What a module importing DrillSnapshots sees: the targets below it in DESIGN.md's flow.

@_exported import DrillCatalog
