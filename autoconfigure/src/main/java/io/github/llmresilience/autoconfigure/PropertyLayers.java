package io.github.llmresilience.autoconfigure;

import java.beans.PropertyDescriptor;

import org.springframework.beans.BeanUtils;
import org.springframework.beans.BeanWrapper;
import org.springframework.beans.PropertyAccessorFactory;

/**
 * How a group of settings that may be set in several places ({@code llm.defaults.retry},
 * {@code llm.policies.<name>.retry}, ...) is layered: every property left unset
 * ({@code null}) in one layer takes its value from the layer below. One rule for every
 * such group, so that a property added to one is layered without more code.
 */
final class PropertyLayers {

	private PropertyLayers() {
	}

	/**
	 * Layer one group of settings over another.
	 * @param <T> the type of the group
	 * @param own the settings set here
	 * @param below the settings that fill what {@code own} leaves unset
	 * @param merged a new, empty group that receives the result
	 * @return {@code merged}
	 */
	static <T> T layer(T own, T below, T merged) {
		BeanWrapper ownValues = PropertyAccessorFactory.forBeanPropertyAccess(own);
		BeanWrapper belowValues = PropertyAccessorFactory.forBeanPropertyAccess(below);
		BeanWrapper mergedValues = PropertyAccessorFactory.forBeanPropertyAccess(merged);
		for (PropertyDescriptor property : BeanUtils.getPropertyDescriptors(own.getClass())) {
			if (property.getReadMethod() != null && property.getWriteMethod() != null) {
				String name = property.getName();
				Object value = ownValues.getPropertyValue(name);
				mergedValues.setPropertyValue(name, (value != null) ? value : belowValues.getPropertyValue(name));
			}
		}
		return merged;
	}

}
