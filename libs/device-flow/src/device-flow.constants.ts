/** Injection token of the resolved, validated {@link ResolvedDeviceFlowOptions}. */
export const DEVICE_FLOW_OPTIONS = Symbol('DEVICE_FLOW_OPTIONS');
/** Injection token of the TypeORM DataSource the default repositories use. */
export const DEVICE_FLOW_DATA_SOURCE = Symbol('DEVICE_FLOW_DATA_SOURCE');
/** Injection token of the resolved {@link DeviceFlowRoutes}. */
export const DEVICE_FLOW_ROUTES = Symbol('DEVICE_FLOW_ROUTES');
/** Injection token of the module's Redis connection (`storage: 'redis'`), or null. */
export const DEVICE_FLOW_REDIS = Symbol('DEVICE_FLOW_REDIS');
/** Injection token of the path the verification page is mounted at (`null`: not mounted). @see RFC 8628 §3.3 */
export const DEVICE_FLOW_VERIFICATION_PATH = Symbol('DEVICE_FLOW_VERIFICATION_PATH');
