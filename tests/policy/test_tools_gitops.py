"""GitOps, IaC and forge tools: their reads are allowed, changes ask, secrets and wipes block.

The rules live in rules/tools/gitops.yaml, iac.yaml and forges.yaml. Each table holds the
reads of a program (long and short options, `--opt=value`, options after operands, pipes),
a state change or two that must ask, the secret and wholesale-destruction forms that must
block, and neighbours that must keep their verdict.
"""

from __future__ import annotations

import pytest
from tests.policy.conftest import Case, misjudged

from shturman.policy import Policy

# ---- Argo CD -------------------------------------------------------------------------------
ARGOCD: list[Case] = [
    ("argocd app list", "allow", "read.gitops"),
    ("argocd app list -o name -p shop", "allow", None),
    ("argocd app get shop-prod --show-operation", "allow", None),
    ("argocd app get shop-prod --output=yaml | grep -i health", "allow", None),
    ("argocd app diff shop-prod", "allow", None),
    ("argocd --grpc-web app history shop-prod", "allow", None),
    ("argocd cluster list", "allow", None),
    ("argocd repo list -o wide", "allow", None),
    ("argocd proj list", "allow", None),
    ("argocd version --client", "allow", None),
    # manifests may carry Secret data; a local diff renders with plugins
    ("argocd app manifests shop-prod", "confirm", None),
    ("argocd app diff shop-prod --local ./manifests", "confirm", None),
    ("argocd app sync shop-prod --prune=false", "confirm", None),
    ("argocd app rollback shop-prod 41", "confirm", None),
    ("argocd app set shop-prod --revision v2", "confirm", None),
    ("argocd app delete shop-prod --cascade -y", "confirm", None),
    ("argocd login argocd.example.com --sso", "confirm", None),
    ("argocd admin initial-password -n argocd", "block", "secrets.gitops_readout"),
    ("argocd account generate-token --account ci", "block", "secrets.gitops_readout"),
    ("argocd app delete -l team=shop -y", "confirm", None),
    ("argocd app wait shop-prod", "confirm", None),
]

# ---- Flux ----------------------------------------------------------------------------------
FLUX: list[Case] = [
    ("flux get kustomizations -A", "allow", "read.gitops"),
    ("flux get sources git --all-namespaces", "allow", None),
    ("flux get hr podinfo -n apps", "allow", None),
    ("flux get all -n flux-system | head -20", "allow", None),
    ("flux check", "allow", None),
    ("flux check --pre", "allow", None),
    ("flux logs --level=error --tail 50", "allow", None),
    ("flux tree kustomization flux-system", "allow", None),
    ("flux stats -A", "allow", None),
    ("flux diff kustomization apps --path ./clusters/prod", "allow", None),
    ("flux export source git --all", "allow", None),
    ("flux export source git --all --with-credentials", "confirm", None),
    ("flux logs -f", "confirm", None),
    ("flux reconcile kustomization apps --with-source", "confirm", None),
    ("flux suspend hr podinfo -n apps", "confirm", None),
    ("flux resume kustomization apps", "confirm", None),
    ("flux delete source git podinfo --silent", "confirm", None),
    ("flux uninstall --dry-run", "confirm", None),
    ("flux uninstall --silent", "block", "destroy.gitops"),
    ("sudo flux uninstall --namespace=flux-system", "block", "destroy.gitops"),
]

# ---- Istio ---------------------------------------------------------------------------------
ISTIOCTL: list[Case] = [
    ("istioctl proxy-status", "allow", "read.gitops"),
    ("istioctl ps -n web", "allow", None),
    ("istioctl analyze -n web", "allow", None),
    ("istioctl analyze --all-namespaces -o json", "allow", None),
    ("istioctl version --short", "allow", None),
    ("istioctl proxy-config cluster productpage-v1-abc -n web", "allow", None),
    ("istioctl pc routes deploy/productpage -o json | head -50", "allow", None),
    ("istioctl proxy-config secret productpage-v1-abc", "confirm", None),
    ("istioctl install --set profile=default -y", "confirm", None),
    ("istioctl kube-inject -f deploy.yaml -o deploy-injected.yaml", "confirm", None),
    ("istioctl uninstall --revision canary -y", "confirm", None),
    ("istioctl uninstall --purge -y", "block", "destroy.gitops"),
]

# ---- Velero --------------------------------------------------------------------------------
VELERO: list[Case] = [
    ("velero backup get", "allow", "read.gitops"),
    ("velero backup describe nightly-20261207 --details", "allow", None),
    ("velero backup logs nightly-20261207 | grep -i error", "allow", None),
    ("velero restore get", "allow", None),
    ("velero schedule get -o yaml", "allow", None),
    ("velero backup-location get", "allow", None),
    ("velero version --client-only", "allow", None),
    ("velero backup create pre-upgrade --include-namespaces web", "confirm", None),
    ("velero restore create --from-backup nightly-20261207", "confirm", None),
    ("velero backup delete nightly-20261201 --confirm", "confirm", None),
    ("velero backup download nightly-20261201", "confirm", None),
    ("velero backup delete --all --confirm", "block", "destroy.gitops"),
    ("velero schedule delete --all", "block", "destroy.gitops"),
]

# ---- kustomize and helmfile ----------------------------------------------------------------
RENDERERS: list[Case] = [
    ("kustomize build overlays/prod", "allow", "read.gitops"),
    ("kustomize build overlays/prod --load-restrictor=LoadRestrictionsNone", "allow", None),
    ("kustomize build overlays/prod | grep -c kind:", "allow", None),
    ("kustomize version", "allow", None),
    ("kustomize cfg tree . --image", "allow", None),
    ("kustomize cfg grep 'kind=Deployment' .", "allow", None),
    # plugins and helm run code; -o writes; the output applied is a change
    ("kustomize build --enable-helm overlays/prod", "confirm", None),
    ("kustomize build --enable-alpha-plugins overlays/prod", "confirm", None),
    ("kustomize build overlays/prod -o out.yaml", "confirm", None),
    ("kustomize build overlays/prod | kubectl apply -f -", "confirm", None),
    ("kustomize edit set image api=registry.example.com/api:1.4.2", "confirm", None),
    ("helmfile list", "allow", "read.gitops"),
    ("helmfile -e prod diff", "allow", None),
    ("helmfile --environment=staging lint", "allow", None),
    ("helmfile status", "allow", None),
    ("helmfile -e prod diff --set image.tag=x", "confirm", None),
    ("helmfile template", "confirm", None),  # renders every value, decrypted secrets too
    ("helmfile -e prod apply", "confirm", None),
    ("helmfile -e prod sync", "confirm", None),
    ("helmfile destroy", "confirm", None),
]

# ---- k3s and MicroK8s ----------------------------------------------------------------------
DISTRIBUTIONS: list[Case] = [
    ("k3s check-config", "allow", "read.gitops"),
    ("k3s --version", "allow", None),
    ("k3s etcd-snapshot ls", "allow", None),
    ("k3s kubectl get nodes", "allow", "kubectl.read"),
    ("k3s crictl ps", "allow", None),
    ("k3s etcd-snapshot save --name pre-upgrade", "confirm", None),
    ("k3s etcd-snapshot delete old-snap", "confirm", None),
    ("k3s server --cluster-init", "confirm", None),
    ("k3s-killall.sh", "confirm", None),
    ("k3s kubectl delete ns prod", "block", "kubectl.delete_wholesale"),
    ("/usr/local/bin/k3s-uninstall.sh", "block", "destroy.gitops_uninstall"),
    ("sudo rke2-uninstall.sh", "block", "destroy.gitops_uninstall"),
    ("cat /usr/local/bin/k3s-uninstall.sh", "allow", None),
    ("microk8s status --wait-ready", "allow", "read.gitops"),
    ("microk8s status", "allow", None),
    ("microk8s kubectl get pods -A", "allow", "kubectl.read"),
    ("microk8s kubectl describe pod -n kube-system coredns-7745f9f87f-abcde", "allow", None),
    ("microk8s inspect", "confirm", None),  # writes a tarball of the node's state
    ("microk8s enable ingress", "confirm", None),
    ("microk8s stop", "confirm", None),
    ("microk8s kubectl apply -f x.yaml", "confirm", None),
    ("microk8s config", "block", "secrets.gitops_readout"),
    ("microk8s config > ~/.kube/config", "block", None),
    ("microk8s reset --destroy-storage", "block", "destroy.gitops"),
    ("sudo microk8s reset", "block", "destroy.gitops"),
    ("sudo microk8s config | grep server", "block", "secrets.gitops_readout"),
]

# ---- Nomad: the grammar in grammars.yaml, the secret forms here ----------------------------
NOMAD: list[Case] = [
    ("nomad job status web", "allow", None),
    ("nomad node status", "allow", None),
    ("nomad job run web.nomad.hcl", "confirm", None),
    ("nomad alloc exec 8a2f1c9e ls /", "confirm", None),
    ("nomad var get -out json nomad/jobs/web", "block", "secrets.gitops_readout"),
    ("nomad alloc exec 8a2f1c9e env", "block", "secrets.gitops_readout"),
    ("nomad alloc exec -task web 8a2f1c9e printenv", "block", "secrets.gitops_readout"),
]

# ---- Packer --------------------------------------------------------------------------------
PACKER: list[Case] = [
    ("packer validate -syntax-only ubuntu.pkr.hcl", "allow", "read.iac"),
    ("packer validate -var-file=prod.pkrvars.hcl .", "allow", None),
    ("packer inspect ubuntu.pkr.hcl", "allow", None),
    ("packer fmt -check .", "allow", None),
    ("packer fmt -check -diff -recursive .", "allow", None),
    ("packer version", "allow", None),
    ("packer fmt .", "confirm", None),  # rewrites the templates
    ("packer validate -evaluate-datasources .", "confirm", None),
    ("packer build -var-file=prod.pkrvars.hcl ubuntu.pkr.hcl", "confirm", None),
    ("packer init .", "confirm", None),
]

# ---- Ansible -------------------------------------------------------------------------------
ANSIBLE: list[Case] = [
    ("ansible all --list-hosts", "allow", "read.iac"),
    ("ansible 'web:!db' --list-hosts -i /etc/ansible/hosts", "allow", None),
    ("ansible all --list-hosts --limit=web | wc -l", "allow", None),
    # a module, even ping or setup, is copied to every host the pattern names and run there
    ("ansible web -m ping", "confirm", None),
    ("ansible all -i /etc/ansible/hosts -m setup", "confirm", None),
    ("ansible 'web:!db' --module-name=ping -o", "confirm", None),
    # an inventory outside /etc/ansible can be a script (as for ansible-inventory)
    ("ansible all -i inventory/prod --list-hosts", "confirm", None),
    ("ansible web -m setup -a 'fact_path=/tmp/x'", "confirm", None),  # runs the .fact files
    ("ansible web", "confirm", None),  # the default module is `command`
    ("ansible web -m shell -a uptime", "confirm", None),
    ("ansible web -i inventory/prod -b -m service -a 'name=nginx state=restarted'",
     "confirm", None),
    ("ansible all -b -m fetch -a 'src=/etc/hosts dest=/tmp/h/'", "confirm", None),
    ("ansible all -m shell -a 'rm -rf /tmp/cache'", "confirm", None),
    ("ansible all -i inventory/prod -b -m fetch -a 'src=/etc/shadow dest=/tmp/loot/'",
     "block", "secrets.iac_readout"),
    ("ansible all -b -m slurp -a src=/root/.ssh/id_ed25519", "block", "secrets.iac_readout"),
    ("ansible all -i inventory/prod -b -m shell -a 'rm -rf --no-preserve-root /'", "block",
     "destroy.iac_hosts"),
    ("ansible all -m raw -a 'rm -rf /*' -b", "block", "destroy.iac_hosts"),
    ("ansible-playbook site.yml --syntax-check", "allow", "read.iac"),
    ("ansible-playbook site.yml --list-tasks", "allow", None),
    ("ansible-playbook site.yml --list-hosts --limit web", "allow", None),
    ("ansible-playbook --list-tags site.yml", "allow", None),
    ("ansible-playbook site.yml --check --diff", "confirm", None),
    ("ansible-playbook site.yml", "confirm", None),
    ("ansible-playbook -i inventory/prod deploy.yml --limit web01", "confirm", None),
    ("ansible-playbook site.yml --list-tasks -e host=x", "confirm", None),
    ("ansible-doc -l", "allow", "read.iac"),
    ("ansible-doc ansible.builtin.copy | head -40", "allow", None),
    ("ansible-doc -t lookup -l", "allow", None),
    ("ansible-config dump --only-changed", "allow", None),
    ("ansible-config list", "allow", None),
    ("ansible-config view", "allow", None),
    ("ansible-galaxy collection list", "allow", None),
    ("ansible-galaxy collection install community.general", "confirm", None),
    ("ansible-inventory --graph", "allow", None),
    ("ansible-vault view group_vars/prod/vault.yml", "block", None),
    ("ansible-vault decrypt --output - group_vars/prod/vault.yml", "block", None),
    ("ansible-vault encrypt group_vars/prod/vault.yml", "confirm", None),
]

# ---- glab, act, gh -------------------------------------------------------------------------
FORGES: list[Case] = [
    ("glab ci list", "allow", "read.forges"),
    ("glab ci status", "allow", None),
    ("glab ci status --branch=main", "allow", None),
    ("glab ci trace 98765", "allow", None),
    ("glab -R group/app ci list | head", "allow", None),
    ("glab mr list --assignee=@me", "allow", None),
    ("glab mr view 42 --comments", "allow", None),
    ("glab issue list -l bug", "allow", None),
    ("glab release list", "allow", None),
    ("glab variable list", "allow", None),
    ("glab auth status", "allow", None),
    ("glab ci view", "confirm", None),  # a full-screen viewer
    ("glab ci retry 98765", "confirm", None),
    ("glab mr merge 42", "confirm", None),
    ("glab variable set DB_HOST db1", "confirm", None),
    ("glab api projects/1 -X DELETE", "confirm", None),
    ("glab variable get DB_PASSWORD", "block", "secrets.forges_readout"),
    ("glab variable export", "block", "secrets.forges_readout"),
    ("glab auth status --show-token", "block", "secrets.forges_readout"),
    ("act -l", "allow", "read.forges"),
    ("act --list", "allow", None),
    ("act push -l", "allow", None),
    ("act -g -W .github/workflows/ci.yml", "allow", None),
    ("act", "confirm", None),
    ("act push -j build", "confirm", None),
    ("act workflow_dispatch -W .github/workflows/deploy.yml", "confirm", None),
    ("gh auth status", "allow", None),
    ("gh auth status --show-token", "block", "secrets.forges_readout"),
    ("gh auth status -t", "block", "secrets.forges_readout"),
    ("gh auth token", "block", None),
]

TABLES = {
    "argocd": ARGOCD,
    "flux": FLUX,
    "istioctl": ISTIOCTL,
    "velero": VELERO,
    "renderers": RENDERERS,
    "distributions": DISTRIBUTIONS,
    "nomad": NOMAD,
    "packer": PACKER,
    "ansible": ANSIBLE,
    "forges": FORGES,
}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_tools_gitops(policy: Policy, name: str) -> None:
    assert misjudged(policy, TABLES[name]) == []
