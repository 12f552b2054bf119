"""The cluster's credentials: CA, serving certificate, admin credentials, kubeconfig."""
