import sqlalchemy as sa

from cloudkitty.db import migration

EXPECTED_TABLES = {
    'states', 'modules_state', 'service_to_collector_mappings', 'hashmap_services',
    'hashmap_fields', 'hashmap_groups', 'hashmap_mappings', 'hashmap_thresholds',
    'pyscripts_scripts', 'cloudkitty_storage_states',
    'storage_scope_reprocessing_schedule',
}


def test_every_module_is_at_its_head_and_every_table_exists(db):
    assert migration.current_versions(db) == migration.head_versions(db)
    tables = set(sa.inspect(db.engine).get_table_names())
    assert EXPECTED_TABLES <= tables
    assert set(migration.MODULES.values()) <= tables
