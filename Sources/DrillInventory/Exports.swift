// What a module importing DrillInventory sees: the targets below it in DESIGN.md's flow.

@_exported import DrillCatalog
