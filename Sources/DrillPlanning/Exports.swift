// What a module importing DrillPlanning sees: the targets below it in DESIGN.md's flow.

@_exported import DrillInventory
@_exported import DrillRestore
