// What a module importing DrillRestore sees: the targets below it in DESIGN.md's flow.

@_exported import DrillSnapshots
