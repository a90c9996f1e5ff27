//! Organizations fixtures: accounts and OUs made as the tests' organisations need them.

use aws_sdk_organizations::Client;

/// An account created in the organisation, moved under `parent`; its id.
pub async fn account(org: &Client, name: &str, parent: &str, root: &str) -> String {
    let status = org
        .create_account()
        .account_name(name)
        .email(format!("{name}@example.com"))
        .send()
        .await
        .unwrap();
    let id = status
        .create_account_status()
        .and_then(|s| s.account_id())
        .unwrap()
        .to_owned();
    if parent != root {
        org.move_account()
            .account_id(&id)
            .source_parent_id(root)
            .destination_parent_id(parent)
            .send()
            .await
            .unwrap();
    }
    id
}

pub async fn ou(org: &Client, parent: &str, name: &str) -> String {
    org.create_organizational_unit()
        .parent_id(parent)
        .name(name)
        .send()
        .await
        .unwrap()
        .organizational_unit()
        .unwrap()
        .id()
        .unwrap()
        .to_owned()
}
