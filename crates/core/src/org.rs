//! Fleet targets from AWS Organizations: `--organization` (every account), `--ou ID`
//! (the accounts under an OU, recursively), minus `--exclude-account`. Only ACTIVE accounts
//! are targets; the others (SUSPENDED, PENDING_CLOSURE) are skipped and counted. Every
//! listing is paginated and goes through `aws::call` (timeouts, bounded retries).

use aws_sdk_organizations::Client;
use aws_sdk_organizations::types::Account;

use aws_sdk_organizations::error::{ProvideErrorMetadata, SdkError};

use crate::aws::{Aws, Calls, call, call_paged};
use crate::error::{Error, InputError};
use crate::fleet::validate_account_id;

/// Which accounts of the organisation, as the user asked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgSelection {
    pub organization: bool,
    /// OU (or root) ids; each brings the accounts under it, recursively.
    pub ous: Vec<String>,
    pub exclude: Vec<String>,
}

impl OrgSelection {
    pub fn is_empty(&self) -> bool {
        !self.organization && self.ous.is_empty()
    }

    /// Checks every id before any call.
    pub fn validate(&self) -> Result<(), InputError> {
        for ou in &self.ous {
            validate_ou_id(ou)?;
        }
        for id in &self.exclude {
            validate_account_id(id)
                .map_err(|e| InputError::new("excluded account id", e.value, e.expected))?;
        }
        Ok(())
    }
}

/// `ou-` and 4 to 32 lower-case letters or digits, `-`, 8 to 32 more (an OU), or `r-` and 4
/// to 32 (the root).
pub fn validate_ou_id(value: &str) -> Result<(), InputError> {
    let ok_part = |s: &str, min: usize| {
        (min..=32).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    };
    let ok = match value.strip_prefix("ou-") {
        Some(rest) => rest
            .split_once('-')
            .is_some_and(|(root, ou)| ok_part(root, 4) && ok_part(ou, 8)),
        None => value.strip_prefix("r-").is_some_and(|r| ok_part(r, 4)),
    };
    if ok {
        Ok(())
    } else {
        Err(InputError::new(
            "organizational unit id",
            value,
            "an OU id like ou-ab12-cdef3456 (or a root id like r-ab12)",
        ))
    }
}

/// The accounts selected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listed {
    /// ACTIVE accounts, in the order listed, without duplicates or excluded ones.
    pub accounts: Vec<String>,
    /// Accounts not ACTIVE: (id, status).
    pub skipped: Vec<(String, String)>,
    /// How many listed accounts `--exclude-account` took out.
    pub excluded: usize,
}

#[derive(Debug, Clone)]
pub struct Organizations {
    pub(crate) client: Client,
    pub(crate) calls: Calls,
    pub(crate) endpoint: String,
}

impl Organizations {
    pub fn new(aws: &Aws) -> Organizations {
        Organizations {
            client: Client::new(&aws.config),
            calls: aws.calls.clone(),
            endpoint: aws.endpoint_name("Organizations"),
        }
    }

    /// The accounts `sel` names (see the module's doc).
    pub async fn select(&self, sel: &OrgSelection) -> Result<Listed, Error> {
        let mut found: Vec<Account> = vec![];
        if sel.organization {
            found.extend(self.all_accounts().await?);
        }
        for ou in &sel.ous {
            found.extend(self.accounts_under(ou).await?);
        }
        let mut listed = Listed::default();
        let mut seen = std::collections::HashSet::new();
        for a in found {
            let Some(id) = a.id() else { continue };
            if !seen.insert(id.to_owned()) {
                continue;
            }
            if sel.exclude.iter().any(|e| e == id) {
                listed.excluded += 1;
                continue;
            }
            // `Status` is deprecated in favour of `State`; either may be what is filled in.
            let state = a
                .state()
                .map(|s| s.as_str().to_owned())
                .or_else(|| a.status().map(|s| s.as_str().to_owned()))
                .unwrap_or_default();
            if state == "ACTIVE" {
                listed.accounts.push(id.to_owned());
            } else {
                listed.skipped.push((id.to_owned(), state));
            }
        }
        Ok(listed)
    }

    async fn all_accounts(&self) -> Result<Vec<Account>, Error> {
        let page = |token| self.client.list_accounts().set_next_token(token).send();
        self.paged("organizations:ListAccounts", page, |page, out| {
            out.extend(page.accounts().iter().cloned());
            page.next_token
        })
        .await
    }

    /// The accounts under `parent` and under every OU below it.
    async fn accounts_under(&self, parent: &str) -> Result<Vec<Account>, Error> {
        let mut out = vec![];
        let mut parents = vec![parent.to_owned()];
        while let Some(p) = parents.pop() {
            let (accounts, children) =
                tokio::try_join!(self.accounts_for_parent(&p), self.child_ous(&p))?;
            out.extend(accounts);
            // Depth first, in listing order.
            parents.extend(children.into_iter().rev());
        }
        Ok(out)
    }

    async fn accounts_for_parent(&self, parent: &str) -> Result<Vec<Account>, Error> {
        let page = |token| {
            self.client
                .list_accounts_for_parent()
                .parent_id(parent)
                .set_next_token(token)
                .send()
        };
        self.paged("organizations:ListAccountsForParent", page, |page, out| {
            out.extend(page.accounts().iter().cloned());
            page.next_token
        })
        .await
    }

    async fn child_ous(&self, parent: &str) -> Result<Vec<String>, Error> {
        let page = |token| {
            self.client
                .list_organizational_units_for_parent()
                .parent_id(parent)
                .set_next_token(token)
                .send()
        };
        let action = "organizations:ListOrganizationalUnitsForParent";
        self.paged(action, page, |page, out| {
            out.extend(
                page.organizational_units()
                    .iter()
                    .filter_map(|u| u.id().map(str::to_owned)),
            );
            page.next_token
        })
        .await
    }

    /// Every page of a listing, through `aws::call_paged`.
    pub(crate) async fn paged<P, E, T, Fut>(
        &self,
        action: &'static str,
        page: impl Fn(Option<String>) -> Fut,
        take: impl Fn(P, &mut Vec<T>) -> Option<String>,
    ) -> Result<Vec<T>, Error>
    where
        Fut: std::future::Future<Output = Result<P, SdkError<E>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        call_paged(&self.calls, &self.endpoint, action, page, take).await
    }
}

/// The account the credentials belong to (STS GetCallerIdentity: needs no permission).
pub async fn caller_account(aws: &Aws) -> Result<String, Error> {
    let client = aws_sdk_sts::Client::new(&aws.config);
    let out = call(
        &aws.calls,
        &aws.endpoint_name("STS"),
        "sts:GetCallerIdentity",
        client.get_caller_identity().send(),
    )
    .await?;
    out.account.ok_or(Error::Other {
        action: "sts:GetCallerIdentity",
        detail: "returned no account".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ou_ids() {
        assert!(validate_ou_id("ou-ab12-cdef3456").is_ok());
        assert!(validate_ou_id("r-ab12").is_ok());
        for bad in [
            "ou-ab12",
            "OU-ab12-cdef3456",
            "ou-ab12-cd",
            "123456789012",
            "r-",
            "",
        ] {
            let e = validate_ou_id(bad).unwrap_err().to_string();
            assert!(
                e.contains(&format!("{bad:?}")) && e.contains("ou-ab12"),
                "{e}"
            );
        }
        let sel = OrgSelection {
            exclude: vec!["12".into()],
            ..OrgSelection::default()
        };
        assert!(
            sel.validate()
                .unwrap_err()
                .to_string()
                .contains("excluded account id")
        );
    }
}
