#!/usr/bin/env bash
# DevStack plugin of the CloudKitty-compatible rating service: installs,
# configures and starts cloudkitty-api (ck-api) and cloudkitty-processor
# (ck-proc), and registers the "rating" service in Keystone.

# Save the trace setting and trace this plugin.
_XTRACE_CLOUDKITTY=$(set +o | grep xtrace)
set -o xtrace

# install_cloudkitty: the service, the client and, with Horizon, the panel.
function install_cloudkitty {
    setup_develop "$CLOUDKITTY_DIR"
    if use_library_from_git "python-cloudkittyclient"; then
        git_clone_by_name "python-cloudkittyclient"
        setup_dev_lib "python-cloudkittyclient"
    else
        pip_install_gr python-cloudkittyclient
    fi
    if is_service_enabled horizon; then
        install_cloudkitty_dashboard
    fi
}

function install_cloudkitty_dashboard {
    git_clone "$CLOUDKITTY_DASHBOARD_REPO" "$CLOUDKITTY_DASHBOARD_DIR" "$CLOUDKITTY_DASHBOARD_BRANCH"
    setup_develop "$CLOUDKITTY_DASHBOARD_DIR"
    local enabled
    for enabled in "$CLOUDKITTY_DASHBOARD_DIR"/cloudkittydashboard/enabled/_[0-9]*.py; do
        ln -sf "$enabled" "$HORIZON_DIR/openstack_dashboard/local/enabled/"
    done
}

# configure_cloudkitty: /etc/cloudkitty with cloudkitty.conf, api_paste.ini
# and metrics.yml.
function configure_cloudkitty {
    sudo install -d -o "$STACK_USER" "$CLOUDKITTY_CONF_DIR" "$CLOUDKITTY_DATA_DIR" \
        "$CLOUDKITTY_DATA_DIR/locks"
    cp "$CLOUDKITTY_DIR/etc/cloudkitty/cloudkitty.conf.sample" "$CLOUDKITTY_CONF"
    cp "$CLOUDKITTY_DIR/etc/cloudkitty/api_paste.ini" "$CLOUDKITTY_API_PASTE_INI"
    cp "$CLOUDKITTY_METRICS_SOURCE" "$CLOUDKITTY_METRICS_CONF"

    iniset "$CLOUDKITTY_CONF" DEFAULT debug "$ENABLE_DEBUG_LOG_LEVEL"
    iniset "$CLOUDKITTY_CONF" DEFAULT auth_strategy "$CLOUDKITTY_AUTH_STRATEGY"
    iniset "$CLOUDKITTY_CONF" DEFAULT api_paste_config "$CLOUDKITTY_API_PASTE_INI"
    iniset_rpc_backend cloudkitty "$CLOUDKITTY_CONF"

    iniset "$CLOUDKITTY_CONF" api host "$(ipv6_unquote "$SERVICE_LISTEN_ADDRESS")"
    iniset "$CLOUDKITTY_CONF" api port "$CLOUDKITTY_SERVICE_PORT"

    iniset "$CLOUDKITTY_CONF" database connection "$(database_connection_url cloudkitty)"
    iniset "$CLOUDKITTY_CONF" storage version "$CLOUDKITTY_STORAGE_VERSION"
    iniset "$CLOUDKITTY_CONF" storage backend "$CLOUDKITTY_STORAGE_BACKEND"

    iniset "$CLOUDKITTY_CONF" collect collector "$CLOUDKITTY_COLLECTOR"
    iniset "$CLOUDKITTY_CONF" collect metrics_conf "$CLOUDKITTY_METRICS_CONF"
    iniset "$CLOUDKITTY_CONF" collect period "$CLOUDKITTY_PERIOD"
    iniset "$CLOUDKITTY_CONF" collect scope_key "$CLOUDKITTY_SCOPE_KEY"
    iniset "$CLOUDKITTY_CONF" collector_prometheus prometheus_url "$CLOUDKITTY_PROMETHEUS_URL"
    iniset "$CLOUDKITTY_CONF" fetcher backend "$CLOUDKITTY_FETCHER"
    iniset "$CLOUDKITTY_CONF" fetcher_prometheus prometheus_url "$CLOUDKITTY_PROMETHEUS_URL"
    iniset "$CLOUDKITTY_CONF" fetcher_prometheus metric "$CLOUDKITTY_PROMETHEUS_SCOPE_METRIC"
    iniset "$CLOUDKITTY_CONF" fetcher_prometheus scope_attribute "$CLOUDKITTY_SCOPE_KEY"

    iniset "$CLOUDKITTY_CONF" orchestrator coordination_url "$CLOUDKITTY_COORDINATION_URL"

    if [[ "$CLOUDKITTY_AUTH_STRATEGY" == "keystone" ]]; then
        configure_keystone_authtoken_middleware "$CLOUDKITTY_CONF" cloudkitty
    fi
}

# create_cloudkitty_accounts: the service user (validates tokens) and the
# rating service with its endpoint.
function create_cloudkitty_accounts {
    create_service_user "cloudkitty" "admin"
    local service
    service=$(get_or_create_service "cloudkitty" "rating" "OpenStack Rating Service")
    get_or_create_endpoint "$service" "$REGION_NAME" "$CLOUDKITTY_SERVICE_URL"
}

# init_cloudkitty: the schema and the storage.
function init_cloudkitty {
    recreate_database cloudkitty
    "$CLOUDKITTY_BIN_DIR/cloudkitty-dbsync" --config-file "$CLOUDKITTY_CONF" upgrade
    "$CLOUDKITTY_BIN_DIR/cloudkitty-storage-init" --config-file "$CLOUDKITTY_CONF"
}

function start_cloudkitty {
    run_process ck-api "$CLOUDKITTY_BIN_DIR/cloudkitty-api --config-file $CLOUDKITTY_CONF"
    run_process ck-proc "$CLOUDKITTY_BIN_DIR/cloudkitty-processor --config-file $CLOUDKITTY_CONF"
    if is_service_enabled ck-api; then
        echo "Waiting for cloudkitty-api on $CLOUDKITTY_SERVICE_URL"
        if ! wait_for_service "$SERVICE_TIMEOUT" "$CLOUDKITTY_SERVICE_URL"; then
            die $LINENO "cloudkitty-api did not start"
        fi
    fi
}

function stop_cloudkitty {
    stop_process ck-api
    stop_process ck-proc
}

function cleanup_cloudkitty {
    sudo rm -rf "$CLOUDKITTY_CONF_DIR" "$CLOUDKITTY_DATA_DIR"
    if is_service_enabled horizon; then
        find "$HORIZON_DIR/openstack_dashboard/local/enabled" \
            -lname "$CLOUDKITTY_DASHBOARD_DIR/*" -delete
    fi
}

if is_service_enabled ck-api ck-proc; then
    if [[ "$1" == "stack" && "$2" == "install" ]]; then
        echo_summary "Installing the rating service"
        install_cloudkitty
    elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
        echo_summary "Configuring the rating service"
        configure_cloudkitty
        if is_service_enabled key; then
            create_cloudkitty_accounts
        fi
    elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
        echo_summary "Initialising and starting the rating service"
        init_cloudkitty
        start_cloudkitty
    fi

    if [[ "$1" == "unstack" ]]; then
        stop_cloudkitty
    fi

    if [[ "$1" == "clean" ]]; then
        cleanup_cloudkitty
    fi
fi

# Restore the trace setting.
$_XTRACE_CLOUDKITTY
