"""06 Security: threat model, controls and IAM policy analysis."""
