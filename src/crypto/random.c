/* Randomness: RAND_bytes, IKE and ESP SPIs. */
#include "crypto/crypto.h"

#include <openssl/rand.h>

bool crypto_random(void *buf, size_t len)
{
	if (len == 0)
		return true;
	if (len > INT32_MAX)
		return false;
	return RAND_bytes(buf, (int)len) == 1;
}

bool crypto_random_ike_spi(uint8_t spi[IKE_SPI_LEN])
{
	for (int tries = 0; tries < 8; tries++) {
		uint8_t any = 0;

		if (!crypto_random(spi, IKE_SPI_LEN))
			return false;
		for (int i = 0; i < IKE_SPI_LEN; i++)
			any |= spi[i];
		if (any)
			return true;
	}
	return false;
}

uint32_t crypto_random_esp_spi(void)
{
	for (int tries = 0; tries < 8; tries++) {
		uint32_t v;

		if (!crypto_random(&v, sizeof(v)))
			return 0;
		if (v >= 0x100)
			return v;
	}
	return 0;
}
