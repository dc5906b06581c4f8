"""Structure-aware scanning of CI definitions: Azure Pipelines, GitHub Actions, GitLab CI and
Azure DevOps exports (variable groups, build and release definitions).

``kind_of`` decides from the path (and, for other YAML and JSON files, a cheap look at the
text) whether a file is a pipeline definition; ``scan_structure`` parses it and returns the
values a credential-named key, a plaintext variable or an inline script argument holds, each
with its line, column and structural path (``docs/pipelines.md`` has the grammar).
"""

#: Modules whose source decides pipeline findings (the history cache's key hashes them).
MODULES = (
    "azure_pipelines",
    "candidates",
    "devops_exports",
    "github_actions",
    "gitlab_ci",
    "rules",
    "structure",
    "yaml_nodes",
)
