/** Publishes to an MQTT broker (the local Mosquitto in tests), as Venus OS, OpenDTU or HA would. */
import mqtt from 'mqtt';

export interface Publisher {
  publish(topic: string, payload: unknown, opts?: { retain?: boolean }): Promise<void>;
  close(): Promise<void>;
}

export async function mqttPublisher(url = 'mqtt://127.0.0.1:1883'): Promise<Publisher> {
  const c = await mqtt.connectAsync(url, { connectTimeout: 5000, reconnectPeriod: 0 });
  return {
    async publish(topic, payload, opts = {}) {
      const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
      await c.publishAsync(topic, body, { qos: 1, retain: opts.retain ?? false });
    },
    async close() {
      await c.endAsync();
    },
  };
}
