"""The live Azure DevOps REST client: variable groups, build and release definitions."""
