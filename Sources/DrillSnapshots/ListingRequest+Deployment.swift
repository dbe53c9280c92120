// What a listing of one planned source's snapshots asks for: the layout (all of UPLOAD_LOCATION, or one folder), where
// the source is inside the snapshot (`path:` in the plan), and where its root is in the container, on the Immich host
// and on this machine. The deployment knows all of it; the planner, the runner and the runbook ask it the same way.

import DrillCatalog

extension Deployment {
    /// The listing request for a planned source's snapshots.
    package func listingRequest(for planned: PlannedSource) -> ListingRequest {
        let path = planned.location.path
        let media = mediaLocation
        switch planned.id {
        case .config:
            let host = composeFiles.first.map { Paths.directory(of: mountMap.hostPath(forDrill: $0)) }
            return ListingRequest(layout: .folder, path: path, hostPath: host, containerPath: nil)
        case .upload(nil):
            var request = ListingRequest(layout: .uploadLocation, path: path, hostPath: media.hostPath,
                                         containerPath: media.containerPath)
            request.drillPath = media.drillPath
            return request
        case .upload(let folder?):
            var request = ListingRequest(layout: .folder, path: path, hostPath: media.hostPath.map { $0 + "/" + folder },
                                         containerPath: media.containerPath + "/" + folder)
            request.drillPath = media.drillPath.map { $0 + "/" + folder }
            request.uploadFolder = folder
            return request
        case .external(let container):
            let resolved = mountMap.resolve(containerPath: container)
            var request = ListingRequest(layout: .folder, path: path, hostPath: resolved.hostPath, containerPath: container)
            request.drillPath = resolved.drillPath
            return request
        case .database:
            // Dumps are read, not listed.
            return ListingRequest(layout: .folder, path: path, hostPath: nil, containerPath: nil)
        }
    }
}
