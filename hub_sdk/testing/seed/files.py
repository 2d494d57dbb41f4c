"""Files: three dataset manifests and a project file for each (plus one in project 2)."""

from __future__ import annotations

from .base import DEMO_PROJECT_ID, SECOND_PROJECT_ID, Demo, Doc, hex_id, ts

__all__ = ["dataset_manifests", "project_files"]


def dataset_manifests(demo: Demo) -> list[Doc]:
    """The iris, adult and bike-sharing manifests, with column statistics."""
    rng, add = demo.rng, demo.add
    manifests = []
    for i, (name, cols) in enumerate((("iris", 5), ("adult", 15), ("bike-sharing", 16))):
        stats = {
            "count": 150 * (i + 1) * 7,
            "stat_data": [
                {
                    "use": True,
                    "datatype": "float" if c else "string",
                    "column_name": f"col_{c}",
                    "orig_datatype": "float",
                    "unique_values": rng.randint(3, 500),
                }
                for c in range(cols)
            ],
        }
        manifests.append(
            add(
                "dataset_manifest",
                {
                    "id": hex_id(rng, 10),
                    "name": name,
                    "display_name": f"{name.title()} dataset",
                    "dataset_url": f"s3://auger-localhub-demo01/workspace/datasets/{name}.csv",
                    "metafeatures": {"n_rows": stats["count"], "n_cols": cols},
                    "statistics": stats,
                    "correlation_matrix": [
                        [f"{rng.uniform(-1, 1):.2f}" for _ in range(3)] for _ in range(3)
                    ],
                    "correlation_to_target": [
                        [f"col_{c}", f"{rng.uniform(-1, 1):.2f}"] for c in range(3)
                    ],
                },
                ts(20 + i),
            )
        )
    return manifests


def project_files(demo: Demo, manifests: list[Doc]) -> list[Doc]:
    """One processed CSV per manifest in the demo project, and one in project 2."""
    add = demo.add
    files = []
    for i, dm in enumerate(manifests):
        files.append(
            add(
                "project_file",
                {
                    "id": i + 1,
                    "project_id": DEMO_PROJECT_ID,
                    "name": dm["name"],
                    "url": f"s3://auger-localhub-demo01/workspace/projects/demo-project/files/{dm['name']}.csv",
                    "content_type": "text/csv",
                    "status": "processed",
                    "statistics": {"count": dm["statistics"]["count"]},
                    "_project_id": DEMO_PROJECT_ID,
                },
                ts(30 + i),
            )
        )
    files.append(
        add(
            "project_file",
            {
                "id": 4,
                "project_id": SECOND_PROJECT_ID,
                "name": "other",
                "url": "s3://auger-localhub-demo01/workspace/projects/second-project/files/other.csv",
                "content_type": "text/csv",
                "status": "processed",
                "_project_id": SECOND_PROJECT_ID,
            },
            ts(34),
        )
    )
    return files
