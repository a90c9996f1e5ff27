//! The SDK clients' HTTP client: the SDK's own (hyper 1, rustls with aws-lc, proxy from the
//! environment, as aws-config's default), except that TLS is set up only when a request
//! needs it. The default client loads the system's root certificates (all of
//! /etc/ssl/certs here) when it makes its first connector, https or not: a run against a
//! plain-http endpoint (an emulator, a local proxy) paid for it on every start. Here each
//! connector sends `http://` requests through a plain connector and builds the TLS one on
//! its first `https://` request.

use std::sync::{Arc, OnceLock};

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::{Builder, ConnectorBuilder, tls};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

/// The client to hand aws-config (`ConfigLoader::http_client`).
pub fn client() -> SharedHttpClient {
    SharedHttpClient::new(LazyTls {
        plain: plain_client(),
        tls: Arc::new(OnceLock::new()),
    })
}

/// The plain-http side: the same connector settings, sleep and proxy (HTTP_PROXY,
/// NO_PROXY) as the TLS one, without TLS.
fn plain_client() -> SharedHttpClient {
    Builder::new().build_with_connector_fn(|settings, components| {
        let mut b = ConnectorBuilder::default();
        b.set_connector_settings(settings.cloned());
        if let Some(c) = components {
            b.set_sleep_impl(c.sleep_impl());
        }
        b.set_proxy_config(Some(ProxyConfig::from_env()));
        b.build_http()
    })
}

/// aws-config's default HTTPS client (aws-smithy-runtime's `default_https_client`): rustls
/// with aws-lc, the connector settings (timeouts), the sleep implementation, the proxy
/// from the environment.
fn tls_client() -> SharedHttpClient {
    Builder::new().build_with_connector_fn(|settings, components| {
        let mut b = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ));
        b.set_connector_settings(settings.cloned());
        if let Some(c) = components {
            b.set_sleep_impl(c.sleep_impl());
        }
        b.set_proxy_config(Some(ProxyConfig::from_env()));
        b.build()
    })
}

#[derive(Debug)]
struct LazyTls {
    plain: SharedHttpClient,
    /// Built on the first https request of any connector.
    tls: Arc<OnceLock<SharedHttpClient>>,
}

impl HttpClient for LazyTls {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(Lazy {
            plain: self.plain.http_connector(settings, components),
            tls_client: self.tls.clone(),
            settings: settings.clone(),
            components: components.clone(),
            tls: OnceLock::new(),
        })
    }
}

#[derive(Debug)]
struct Lazy {
    plain: SharedHttpConnector,
    tls_client: Arc<OnceLock<SharedHttpClient>>,
    settings: HttpConnectorSettings,
    components: RuntimeComponents,
    tls: OnceLock<SharedHttpConnector>,
}

impl HttpConnector for Lazy {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        if request.uri().starts_with("http://") {
            return self.plain.call(request);
        }
        self.tls
            .get_or_init(|| {
                self.tls_client
                    .get_or_init(tls_client)
                    .http_connector(&self.settings, &self.components)
            })
            .call(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_runtime_api::client::runtime_components::RuntimeComponentsBuilder;
    use aws_smithy_types::body::SdkBody;

    /// A plain-http request (to a port nothing listens on) leaves TLS unbuilt, so no root
    /// certificate is read; an https one builds it.
    #[tokio::test]
    async fn tls_is_built_only_for_an_https_request() {
        let lazy = LazyTls {
            plain: plain_client(),
            tls: Arc::new(OnceLock::new()),
        };
        let components = RuntimeComponentsBuilder::for_tests()
            .with_sleep_impl(Some(aws_smithy_async::rt::sleep::TokioSleep::new()))
            .with_time_source(Some(aws_smithy_async::time::SystemTimeSource::new()))
            .build()
            .unwrap();
        let settings = HttpConnectorSettings::builder().build();
        let connector = lazy.http_connector(&settings, &components);
        let request = |uri: &str| {
            let mut r = HttpRequest::new(SdkBody::empty());
            r.set_uri(uri).unwrap();
            r
        };
        let _ = connector.call(request("http://127.0.0.1:9/")).await;
        assert!(
            lazy.tls.get().is_none(),
            "TLS was set up for a plain-http request"
        );
        let _ = connector.call(request("https://127.0.0.1:9/")).await;
        assert!(lazy.tls.get().is_some(), "an https request sets TLS up");
    }
}
