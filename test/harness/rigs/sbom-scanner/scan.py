# A BuildKit SBOM generator (docs/attestations/sbom-protocol.md of moby/buildkit) for the
# rigs, where docker/buildkit-syft-scanner cannot be pulled: it lists the Debian packages
# of the scanned root filesystem (var/lib/dpkg/status) as an SPDX 2.3 document, wrapped in
# the in-toto statement BuildKit attaches as the image's SBOM attestation.
import json
import os
import uuid
from datetime import datetime, timezone


def packages(root):
    status = os.path.join(root, "var/lib/dpkg/status")
    if not os.path.exists(status):
        return []
    found = []
    for block in open(status, encoding="utf-8").read().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line and not line.startswith(" "))
        if "Package" in fields and "installed" in fields.get("Status", ""):
            found.append((fields["Package"], fields.get("Version", "")))
    return found


def document(name, root):
    return {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": name,
        "documentNamespace": f"https://basickapp.invalid/rig-sbom/{uuid.uuid4()}",
        "creationInfo": {
            "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "creators": ["Tool: basickapp-rig-dpkg-scanner"],
        },
        "packages": [
            {
                "name": package,
                "SPDXID": f"SPDXRef-Package-{i}",
                "versionInfo": version,
                "downloadLocation": "NOASSERTION",
            }
            for i, (package, version) in enumerate(packages(root))
        ],
    }


source = os.environ["BUILDKIT_SCAN_SOURCE"]
destination = os.environ["BUILDKIT_SCAN_DESTINATION"]
name = os.path.basename(source)
statement = {
    "_type": "https://in-toto.io/Statement/v0.1",
    "predicateType": "https://spdx.dev/Document",
    "predicate": document(name, source),
}
with open(os.path.join(destination, f"{name}.spdx.json"), "w", encoding="utf-8") as out:
    json.dump(statement, out)
