"""A rating service compatible with OpenStack CloudKitty 25.0.0."""
import warnings

# oslo.messaging imports oslo.service helpers that import eventlet, which then
# warns at import time. This service never uses eventlet; keep the warning out
# of the operators' terminals (and of the one-line configuration errors).
warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')
